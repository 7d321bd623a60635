"""Caption files uploaded by course authors: SRT or WebVTT in, WebVTT out.

Cues are kept as plain text (markup such as <i> or {\\an8} removed, entities
decoded): the player gets a clean WebVTT file we wrote ourselves, and the
transcript / search index never sees markup.  Every problem is reported as
a CaptionError whose message tells the author which line to fix.
"""
from __future__ import annotations

import codecs
import dataclasses
import html
import re

MAX_CAPTION_BYTES = 2 * 1024 * 1024
MAX_CUES = 20_000


class CaptionError(ValueError):
    """A caption file we cannot accept; ``message`` is shown to the author."""

    def __init__(self, message: str, line: int | None = None):
        if line is not None:
            message = f'第 {line} 行：{message}'
        super().__init__(message)
        self.message = message
        self.line = line


@dataclasses.dataclass(frozen=True)
class Cue:
    start: float   # seconds
    end: float
    text: str      # plain text, lines separated by "\n"


# ------------------------------------------------------------------- decoding

def decode_caption_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GBK/GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        encodings = ['utf-8-sig']
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ['utf-16']      # Windows Notepad's "Unicode"
    else:
        # Files saved by older Chinese Windows tools are GBK; GB18030 is its superset.
        encodings = ['utf-8', 'gb18030']
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CaptionError('无法识别字幕文件的编码，请另存为 UTF-8 后重新上传')


# -------------------------------------------------------------------- parsing

# Hours optional (WebVTT "mm:ss.ttt"); "," is SRT's decimal mark, "." WebVTT's.
_TIMESTAMP = re.compile(r'(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?')
_TAG = re.compile(r'</?[A-Za-z][^<>]*>|<\d+(?::\d+)+\.\d+>')   # <i>, <font ..>, <00:01.000>
_ASS_OVERRIDE = re.compile(r'\{\\[^{}]*\}')                     # {\an8}, {\i1}
_CONTROL = re.compile(r'[\x00-\x08\x0b-\x1f\x7f]')
_FULLWIDTH = str.maketrans({'：': ':', '，': ',', '．': '.', '－': '-', '＞': '>'})
_VTT_META_BLOCKS = ('NOTE', 'STYLE', 'REGION')


def parse_captions(source: str | bytes) -> list[Cue]:
    """Parse SRT or WebVTT (auto-detected) into cues sorted by start time."""
    if isinstance(source, (bytes, bytearray)):
        if len(source) > MAX_CAPTION_BYTES:
            raise _too_large()
        text = decode_caption_bytes(bytes(source))
    else:
        if len(source) > MAX_CAPTION_BYTES or len(source.encode('utf-8', 'replace')) > MAX_CAPTION_BYTES:
            raise _too_large()
        text = source
    text = text.lstrip('\ufeff').replace('\r\n', '\n').replace('\r', '\n')
    if not text.strip():
        raise CaptionError('字幕文件为空')
    blocks = _blocks(text.split('\n'))
    header_line, header = blocks[0]
    is_webvtt = re.match(r'WEBVTT(?:[ \t]|$)', header[0]) is not None
    if is_webvtt:
        blocks = _without_webvtt_header(blocks)
    elif header[0].startswith('WEBVTT'):
        raise CaptionError('WebVTT 文件头应单独一行写 “WEBVTT”', header_line)
    cues: list[Cue] = []
    for first_line, block in blocks:
        if is_webvtt and _is_vtt_metadata(block[0]):
            continue
        cues.extend(_parse_block(first_line, block))
        if len(cues) > MAX_CUES:
            raise CaptionError(f'字幕条数过多（最多 {MAX_CUES} 条）')
    if not cues:
        raise CaptionError('字幕文件中没有找到任何字幕')
    return sorted(cues, key=lambda cue: (cue.start, cue.end))


def _too_large() -> CaptionError:
    return CaptionError(f'字幕文件过大（不能超过 {MAX_CAPTION_BYTES // (1024 * 1024)} MB）')


def _blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines with the 1-based number of their first line."""
    blocks, current, first = [], [], 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                first = number
            current.append(line)
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def _without_webvtt_header(blocks):
    """Drop the WEBVTT header block; keep a cue someone wrote right under it."""
    first_line, header = blocks[0]
    for offset, line in enumerate(header):
        if '-->' in line:
            return [(first_line + offset, header[offset:])] + blocks[1:]
    return blocks[1:]


def _is_vtt_metadata(line: str) -> bool:
    return '-->' not in line and any(
        line == word or line.startswith((word + ' ', word + '\t')) for word in _VTT_META_BLOCKS)


def _parse_block(first_line: int, block: list[str]) -> list[Cue]:
    # Timing is on the first line, or the second after an SRT number / VTT id.
    if '-->' in block[0]:
        timing = 0
    elif len(block) > 1 and '-->' in block[1]:
        timing = 1
    else:
        raise CaptionError('缺少时间轴（格式应为 00:00:01,000 --> 00:00:04,000）', first_line)
    cues = []
    # A missing blank line between SRT cues leaves several cues in one block.
    while timing is not None:
        start, end = _parse_timing(block[timing], first_line + timing)
        text_lines, next_timing = [], None
        for index in range(timing + 1, len(block)):
            if '-->' in block[index]:
                next_timing = index
                break
            text_lines.append(block[index])
        if next_timing is not None and text_lines and text_lines[-1].strip().isdigit():
            text_lines.pop()   # that number was the next cue's SRT counter
        text = clean_text('\n'.join(text_lines))
        if text:
            cues.append(Cue(start, end, text))
        timing = next_timing
    return cues


def _parse_timing(line: str, number: int) -> tuple[float, float]:
    left, _, right = line.translate(_FULLWIDTH).partition('-->')
    # Anything after the end time is WebVTT cue settings (align:, position:) or
    # SRT coordinates: not needed for our player, dropped.
    right_parts = right.split()
    if not right_parts:
        raise CaptionError('时间格式不正确', number)
    start = _parse_timestamp(left.strip(), number)
    end = _parse_timestamp(right_parts[0], number)
    if end <= start:
        raise CaptionError('结束时间必须晚于开始时间', number)
    return start, end


def _parse_timestamp(value: str, number: int) -> float:
    match = _TIMESTAMP.fullmatch(value)
    if not match:
        raise CaptionError('时间格式不正确', number)
    hours, minutes, seconds, fraction = match.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        raise CaptionError('时间格式不正确（分、秒不能超过 59）', number)
    millis = int((fraction or '0').ljust(3, '0'))
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + millis / 1000
    return round(total, 3)


def clean_text(payload: str) -> str:
    """Cue payload to plain text: no tags, entities decoded, no blank lines."""
    payload = _ASS_OVERRIDE.sub('', _TAG.sub('', payload))
    payload = _CONTROL.sub('', html.unescape(payload).replace('\t', ' '))
    payload = payload.replace('\r\n', '\n').replace('\r', '\n')
    lines = (line.strip() for line in payload.split('\n'))
    return '\n'.join(line for line in lines if line)


# --------------------------------------------------------------------- output

def format_timestamp(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f'{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}'


def to_webvtt(cues: list[Cue]) -> str:
    """A WebVTT document the browser's <track> accepts; text is escaped."""
    parts = ['WEBVTT', '']
    number = 0
    for cue in sorted(cues, key=lambda cue: (cue.start, cue.end)):
        # Escape per line, then drop blank lines: inside a cue they would end it.
        lines = [_escape(line) for line in clean_lines(cue.text)]
        if not lines:
            continue
        if cue.start < 0 or cue.end <= cue.start:
            raise ValueError(f'invalid cue timing: {cue.start} --> {cue.end}')
        number += 1
        parts += [str(number), f'{format_timestamp(cue.start)} --> {format_timestamp(cue.end)}',
                  *lines, '']
    return '\n'.join(parts)


def clean_lines(text: str) -> list[str]:
    text = _CONTROL.sub('', text.replace('\r\n', '\n').replace('\r', '\n').replace('\t', ' '))
    return [line.strip() for line in text.split('\n') if line.strip()]


def _escape(line: str) -> str:
    # Escaping ">" also keeps a literal "-->" from looking like a timing line.
    return line.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def transcript(cues: list[Cue]) -> list[dict]:
    """Rows for the transcript panel and the search index: one per cue."""
    return [{'start': cue.start, 'end': cue.end, 'text': ' '.join(clean_lines(cue.text))}
            for cue in sorted(cues, key=lambda cue: (cue.start, cue.end)) if clean_lines(cue.text)]


PASSAGE_SECONDS = 30


def passages(rows: list[dict], seconds: float | None = None) -> list[dict]:
    """Transcript rows (see `transcript`) grouped into passages of about ``seconds``:
    what search indexes, so a hit shows a few sentences and starts the video there.

    A passage starts at its first cue and takes cues while they start less than
    ``seconds`` after it; each is {"start", "end", "text"}.
    """
    seconds = PASSAGE_SECONDS if seconds is None else seconds
    out: list[dict] = []
    for row in sorted(rows, key=lambda r: (r['start'], r['end'])):
        if out and row['start'] - out[-1]['start'] < seconds:
            out[-1]['end'] = max(out[-1]['end'], row['end'])
            out[-1]['text'] += ' ' + row['text']
        else:
            out.append({'start': row['start'], 'end': row['end'], 'text': row['text']})
    return out
