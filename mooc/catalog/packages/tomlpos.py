"""Line numbers for TOML: syntax errors and "where is this key?".

tomllib reports syntax errors as English text ending in "(at line N,
column M)" and says nothing about *where* a valid-but-wrong value sits.
Authors fix files by line number, so this module translates the syntax
message to Chinese and finds the line of a key by scanning the source.
The scan is line-based and deliberately simple: it understands table
headers, ``[[array]]`` tables, ``key =`` lines and multi-line strings,
which is all course.toml and front matter use.
"""
from __future__ import annotations

import re
import tomllib
from typing import Any

_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")
_MESSAGES = [
    ("Invalid value", "值的写法不正确（文字要用英文双引号括起来，真假值写 true 或 false）"),
    ("Cannot overwrite a value", "同一个设置项写了两次"),
    ("Cannot declare", "同一个表（[…]）声明了两次"),
    ("Cannot mutate immutable namespace", "不能给行内表再添加设置项"),
    ("Cannot redefine namespace", "重复定义了同一个表"),
    ("Duplicate inline table key", "行内表中同一个键写了两次"),
    ("Expected '=' after a key", "设置项名称后面缺少“=”"),
    ("Expected ']' at the end of a table", "表名后缺少“]”"),
    ("Expected ']]' at the end of an array", "表数组名后缺少“]]”"),
    ("Invalid initial character for a key", "设置项名称以非法字符开头"),
    ("Invalid statement", "无法识别的语句"),
    ("Unclosed array", "数组缺少结尾的“]”"),
    ("Unclosed inline table", "行内表缺少结尾的“}”"),
    ("Unterminated string", "文字缺少结尾的引号"),
    ("Unescaped '\\' in a string", "文字中的反斜杠“\\”需要写成“\\\\”"),
    ("Illegal character", "包含不允许的控制字符"),
    ("Found invalid character", "包含不允许的字符"),
    ("Invalid date or datetime", "日期或时间格式不正确"),
    ("Invalid hex value", "转义字符（\\u…）不正确"),
    ("Escaped character is not a Unicode", "转义字符（\\u…）不是有效字符"),
    ("Expected newline or end of document", "一行只能写一个设置项"),
]


def parse_toml(text: str) -> tuple[dict[str, Any] | None, int | None, str | None]:
    """(data, None, None) or (None, line, Chinese message) for a syntax error."""
    try:
        return tomllib.loads(text), None, None
    except tomllib.TOMLDecodeError as error:
        line, message = describe_toml_error(error)
        if line is None and _AT_END.search(str(error)):
            line = text.rstrip("\n").count("\n") + 1
        return None, line, message
    except RecursionError:  # arrays nested thousands deep: no course file looks like that
        return None, None, "嵌套层次过深（数组或表套了太多层）"


def describe_toml_error(error: tomllib.TOMLDecodeError) -> tuple[int | None, str]:
    """The 1-based line tomllib complained about and a Chinese explanation."""
    raw = str(error)
    match = _POSITION.search(raw)
    line = int(match.group(1)) if match else None
    column = int(match.group(2)) if match else None
    english = _AT_END.sub("", _POSITION.sub("", raw)).strip()
    reason = next((zh for prefix, zh in _MESSAGES if english.startswith(prefix)), None)
    where = f"（第 {column} 列）" if column else ""
    if reason is None:
        return line, f"TOML 格式错误{where}：{english}"
    return line, f"TOML 格式错误{where}：{reason}"


_TABLE_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_PART = r"""(?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)"""
_KEY_LINE = re.compile(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")


def _clean_key(raw: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in raw.split("."))


class TomlLines:
    """Where keys and values sit in a TOML document.

    ``first_line`` is the file line holding the document's line 1, so front
    matter (which starts after a "+++" line) reports file line numbers.
    Paths are tuples such as ("title",), ("visibility", "orgs") or
    ("chapters", 2, "lessons") (array-of-tables index is 0-based).
    """

    def __init__(self, text: str, first_line: int = 1) -> None:
        self.first_line = first_line
        self.keys: dict[tuple, int] = {}
        self.tables: dict[tuple, int] = {}
        self.lines = text.split("\n")
        counts: dict[str, int] = {}
        table: tuple = ()
        in_string: str | None = None
        for number, line in enumerate(self.lines, start=first_line):
            if in_string:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            header = _TABLE_HEADER.match(line)
            if header and not _KEY_LINE.match(line):
                name = _clean_key(header.group(2))
                if header.group(1) == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    table = tuple(name.split(".")) + (index,)
                else:
                    table = tuple(name.split("."))
                self.tables.setdefault(table, number)
                continue
            key = _KEY_LINE.match(line)
            if key:
                path = table + tuple(_clean_key(key.group(1)).split("."))
                self.keys.setdefault(path, number)
                for quote in ('"""', "'''"):
                    if line.count(quote) % 2 == 1:
                        in_string = quote

    def line_of(self, *path: Any) -> int | None:
        """Line of the key at ``path``, else of its closest located parent."""
        path = tuple(path)
        while path:
            if path in self.keys:
                return self.keys[path]
            if path in self.tables:
                return self.tables[path]
            path = path[:-1]
        return None

    def line_of_value(self, value: str, *path: Any) -> int | None:
        """Line where the string ``value`` is written inside the key at ``path``.

        Useful for one bad entry of a multi-line array; falls back to the
        key's own line.
        """
        start = self.line_of(*path)
        if start is None:
            return None
        following = sorted(line for line in list(self.keys.values()) + list(self.tables.values())
                           if line > start)
        end = following[0] if following else self.first_line + len(self.lines)
        quoted = (f'"{value}"', f"'{value}'")
        for number in range(start, end):
            text = self.lines[number - self.first_line]
            if any(q in text for q in quoted):
                return number
        return start
