"""Caption parsing (SRT / WebVTT), WebVTT output and transcript rows."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from mooc.video.captions import (
    MAX_CAPTION_BYTES, CaptionError, Cue, parse_captions, to_webvtt, transcript)

SRT = (
    '1\r\n'
    '00:00:01,000 --> 00:00:04,500\r\n'
    '<i>不忘初心</i>，牢记使命\r\n'
    '{\\an8}第二行\r\n'
    '\r\n'
    '2\r\n'
    '00:00:05,250 --> 00:00:07,000\r\n'
    'R&D 与 <font color="red">党建</font>\r\n'
)


def test_srt_to_webvtt():
    cues = parse_captions(SRT)
    assert cues == [Cue(1.0, 4.5, '不忘初心，牢记使命\n第二行'), Cue(5.25, 7.0, 'R&D 与 党建')]
    vtt = to_webvtt(cues)
    assert vtt.startswith('WEBVTT\n\n')
    assert '00:00:01.000 --> 00:00:04.500\n不忘初心，牢记使命\n第二行\n' in vtt
    assert 'R&amp;D 与 党建' in vtt
    assert parse_captions(vtt) == cues


@pytest.mark.parametrize('encoding', ['utf-8', 'utf-8-sig', 'gbk', 'utf-16'])
def test_encodings(encoding):
    assert parse_captions(SRT.encode(encoding)) == parse_captions(SRT)


def test_webvtt_with_header_notes_styles_ids_and_settings():
    text = ('WEBVTT - 第一课\nKind: captions\n\n'
            'NOTE 这是注释\n00:00:09.000 --> 不是字幕\n\n'
            'STYLE\n::cue { color: yellow }\n\n'
            'intro\n01:02.5 --> 01:03.000 align:start position:10%\n<v 主讲人>同志们好 &lt;掌声&gt;\n\n'
            '00:00:00.500 --> 00:00:01.000\n<c.yellow>开</c> <00:00:00.700>始\n')
    assert parse_captions(text) == [Cue(0.5, 1.0, '开 始'), Cue(62.5, 63.0, '同志们好 <掌声>')]


def test_lenient_srt_variants():
    # Missing blank line between cues, full-width colon, no milliseconds, trailing spaces.
    text = ('1\n00：00：01,000 --> 00:00:02\n第一句  \n2\n00:00:03,000 --> 00:00:04,000\n第二句\n')
    assert parse_captions(text) == [Cue(1.0, 2.0, '第一句'), Cue(3.0, 4.0, '第二句')]


def test_transcript_rows_are_plain_text():
    rows = transcript(parse_captions(SRT))
    assert rows == [{'start': 1.0, 'end': 4.5, 'text': '不忘初心，牢记使命 第二行'},
                    {'start': 5.25, 'end': 7.0, 'text': 'R&D 与 党建'}]


@pytest.mark.parametrize('text, message', [
    ('1\n00:00:01,000 --> 00:00:02,000\n好\n\n2\n00:00:03,000 --> 00:00:04,000\n好\n\n'
     '3\n00:00:05.000 --> 00:00:0x,000\n错\n', '第 10 行：时间格式不正确'),
    ('1\n00:00:01,000 --> 00:00:02,000\n好\n\n2\n00:00:03,000 --> 00:00:04,000\n好\n\n'
     '3\n00:00:05,000 --> 00:00:04,000\n错\n', '第 10 行：结束时间必须晚于开始时间'),
    ('1\n00:00:01,000 --> 00:00:02,000\n好\n\n2\n00:00:03,000 --> 00:00:04,000\n好\n\n'
     '3\n00:00:05,000 --> 00:61:00,000\n错\n', '第 10 行：时间格式不正确（分、秒不能超过 59）'),
    ('1\n00:00:01,000 --> 00:00:02,000\n好\n\n2\n好\n', '第 5 行：缺少时间轴'),
    ('WEBVTTX\n\n00:01.000 --> 00:02.000\n好\n', '第 1 行：WebVTT 文件头'),
    ('', '字幕文件为空'),
    ('WEBVTT\n\nNOTE 只有注释\n', '字幕文件中没有找到任何字幕'),
    (b'\xff\xfe\xfd\x80\x81', None),
])
def test_malformed_captions_report_line(text, message):
    with pytest.raises(CaptionError) as caught:
        parse_captions(text)
    if message:
        assert message in caught.value.message
    if caught.value.line is not None:
        assert caught.value.message.startswith(f'第 {caught.value.line} 行：')


def test_single_digit_second_is_accepted_leniently():
    # "00:00:5,000" is a common hand-typed slip; it is unambiguous, so it is accepted.
    assert parse_captions('1\n00:00:5,000 --> 00:00:06,000\n好\n') == [Cue(5.0, 6.0, '好')]


def test_size_and_count_limits(monkeypatch):
    with pytest.raises(CaptionError, match='过大'):
        parse_captions(b'a' * (MAX_CAPTION_BYTES + 1))
    monkeypatch.setattr('mooc.video.captions.MAX_CUES', 3)
    many = ''.join(f'{i}\n00:00:{i:02d},000 --> 00:00:{i:02d},500\n第{i}句\n\n' for i in range(1, 6))
    with pytest.raises(CaptionError, match='条数过多'):
        parse_captions(many)


# --------------------------------------------------------------- properties

@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.binary(),
                 st.lists(st.sampled_from(['WEBVTT', '1', '', '00:00:01,000 --> 00:00:02,000',
                                           '00:01.000 --> 00:00.500', '-->', 'NOTE', '<i>字</i>',
                                           '99:99:99,999 --> 1', '\r', '\ufeff']),
                          max_size=12).map('\n'.join)))
def test_parse_never_raises_anything_but_caption_error(data):
    try:
        cues = parse_captions(data)
    except CaptionError as exc:
        assert exc.message
        return
    assert cues and all(0 <= c.start < c.end and c.text for c in cues)


cue_strategy = st.builds(
    lambda start, length, text: Cue(start / 1000, (start + length) / 1000, text),
    st.integers(0, 360_000_000), st.integers(1, 100_000),
    st.text(min_size=1).filter(lambda t: t.strip()))


@settings(max_examples=200, deadline=None)
@given(st.lists(cue_strategy, max_size=20))
def test_webvtt_output_round_trips(cues):
    vtt = to_webvtt(cues)
    assert vtt.startswith('WEBVTT\n')
    try:
        first = parse_captions(vtt)
    except CaptionError as exc:
        assert '没有找到任何字幕' in exc.message   # every cue's text was blank once cleaned
        return
    assert parse_captions(to_webvtt(first)) == first
    assert {(c.start, c.end) for c in first} <= {(c.start, c.end) for c in cues}
