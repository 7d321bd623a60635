"""操作日志 for leads (their subtree) and admins (everything): filter and export."""
import csv
import io

from flask import Blueprint, Response, render_template, request
from flask_login import current_user
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional

from mooc.core.forms import Form, options
from mooc.core.permissions import require
from mooc.core.services import audit
from mooc.core.tabular import escape_formula
from mooc.extensions import db
from mooc.members import audit as audit_log
from mooc.members import permissions as perms

bp = Blueprint("member_audit", __name__, url_prefix="/members/audit")


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    kind = SelectField(choices=options([("", "全部")] + list(audit_log.KINDS.items())))
    q = StringField(validators=[Optional()])
    since = DateField(validators=[Optional()])
    until = DateField(validators=[Optional()])

    def filters(self):
        self.validate()
        return {name: f.data for name, f in self._fields.items() if f.data and not f.errors}


def _query():
    form = AuditFilterForm(request.args)
    filters = form.filters()
    return form, filters, audit_log.events_query(current_user, **filters)


@bp.route("/")
@require(perms.can_manage_members)
def index():
    form, filters, query = _query()
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=50,
                       error_out=False, max_per_page=50)
    return render_template("members/audit.html", form=form, page=page,
                           filters={k: str(v) for k, v in filters.items()})


@bp.route("/export.csv")
@require(perms.can_manage_members)
def export():
    _form, filters, query = _query()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["时间(UTC)", "操作人", "操作", "说明", "地址"])
    count = 0
    for event in db.session.scalars(query.limit(audit_log.EXPORT_LIMIT)):
        count += 1
        writer.writerow([escape_formula(v or "") for v in (
            event.created_at.isoformat(timespec="seconds"),
            event.actor.username if event.actor else "", event.action, event.summary,
            event.ip)])
    audit("audit.export", perms.scope_root(current_user), f"导出操作日志 {count} 条",
          filters={k: str(v) for k, v in filters.items()})
    db.session.commit()
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=audit.csv"})
