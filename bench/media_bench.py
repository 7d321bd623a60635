"""Transcoding speed (multiple of real time) and certificate PDF generation time.

Transcoding uses mooc.video.processing.transcode_pipeline.transcode (the app's own pipeline, same preset
as the server's default TRANSCODE_PRESET) on a 24 s 720p clip made here with the
imageio-ffmpeg binary (moving test pattern, a tone on the audio track; no added noise:
lecture footage compresses well, and a noisy source made it 66 MB and 5× slower). Certificates use
mooc.certificates.pdf.render_certificate with the bundled CJK font.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

from bench import WORK

CLIP_SECONDS = 24


def log(msg):
    print(f"[media] {msg}", flush=True)


def make_clip(path: Path, seconds=CLIP_SECONDS):
    if path.is_file() and path.stat().st_size > 0:
        return path
    from mooc.video.processing.ffmpeg_runner import find_ffmpeg
    ffmpeg = find_ffmpeg()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.mp4")
    subprocess.run([
        ffmpeg, "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-shortest", str(tmp)],
        check=True, timeout=600)
    tmp.replace(path)
    return path


def transcode_figures(preset=None):
    from mooc.video.processing.media_probe import probe
    from mooc.video.processing.transcode_pipeline import transcode
    preset = preset or os.environ.get("TRANSCODE_PRESET", "veryfast")
    clip = make_clip(WORK / "media-bench" / "clip-720p.mp4")
    info = probe(clip)
    out = {"clip": {"seconds": round(info.duration, 2), "width": info.width,
                    "height": info.height, "mb": round(clip.stat().st_size / 2 ** 20, 1)},
           "preset": preset, "renditions": {}}
    for label, heights in (("360p", (360,)), ("720p", (720,)), ("360p+720p (app default)",
                                                                 (360, 720))):
        work = Path(tempfile.mkdtemp(prefix="transcode-", dir=WORK / "media-bench"))
        try:
            t = time.perf_counter()
            result = transcode(clip, work, heights=heights, preset=preset, info=info)
            seconds = time.perf_counter() - t
        finally:
            shutil.rmtree(work, ignore_errors=True)
        out["renditions"][label] = {"seconds": round(seconds, 2),
                                    "x_realtime": round(info.duration / seconds, 2),
                                    "output_duration": round(result.duration, 2)}
        log(f"{label}: {seconds:.1f} s = {info.duration / seconds:.2f}× real time")
    from bench.ladder_bench import ladder_figures
    out["ladder"] = ladder_figures(clip, preset, WORK / "media-bench")
    log(f"ladder: {out['ladder']['x_realtime_wall']}× real time (wall), "
        f"{out['ladder']['x_realtime_two_cores']}× on two cores (CPU)")
    return out


def certificate_figures(n=20):
    from mooc.certificates.pdf import CertificateData, render_certificate
    from mooc.certificates.serials import new_serial
    key = b"bench-certificate-key-0123456789"
    data = [CertificateData(
        learner_name=name, course_title=title, study_hours=hours,
        completion_date=date(2024, 6, 1 + i % 28), issuing_organisation="中共示范单位委员会",
        serial=new_serial(key), verification_url=f"https://example.org/verify/{i:06d}")
        for i, (name, title, hours) in enumerate(
            [("张建国", "学习贯彻党的二十大精神专题课程", 4), ("欧阳秀英", "党章党规党纪精品课", 2.5),
             ("李志强", "新时代党的建设专题课程", 8)] * (n // 3 + 1))][:n]
    t = time.perf_counter()
    first = render_certificate(data[0])
    first_ms = (time.perf_counter() - t) * 1000
    lat = []
    for d in data:
        t = time.perf_counter()
        render_certificate(d)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return {"count": n, "first_ms": round(first_ms, 1),
            "p50_ms": round(lat[len(lat) // 2], 1), "max_ms": round(lat[-1], 1),
            "pdf_kb": round(len(first) / 1024, 1)}


def run():
    WORK.mkdir(parents=True, exist_ok=True)
    out, skipped = {}, {}
    try:
        out["transcode"] = transcode_figures()
    except Exception as exc:  # noqa: BLE001
        skipped["transcode"] = f"{type(exc).__name__}: {exc}"
    try:
        out["certificate"] = certificate_figures()
    except Exception as exc:  # noqa: BLE001
        skipped["certificate"] = f"{type(exc).__name__}: {exc}"
    out["skipped"] = skipped
    return out


if __name__ == "__main__":
    import json
    print(json.dumps(run(), indent=1, ensure_ascii=False))
