"""Background work for members: the 忘记密码 e-mail (so the page answers at once)."""
from mooc.core import jobs
from mooc.members import recovery


@jobs.task()
def send_reset_link_task(user_id, link):
    return recovery.send_link(user_id, link)
