"""The adaptive ladder (issue 19): one transcode to 240p + 360p + 720p + the sound alone,
packaged as HLS, as the app does it (mooc.video.processing.transcoding.settings()).

Reports × real time by the wall clock (on a shared machine that depends on the
neighbours) and by ffmpeg's CPU time on two cores (duration ÷ (CPU seconds ÷ 2): what
two idle cores would do), and the storage one minute of video takes, per rung and in all
(MP4s + HLS segments + audio.m4a + poster).

By hand on a short clip:  .venv/bin/python -m bench.ladder_bench [clip.mp4]
"""
from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

LADDER = (240, 360, 720)


def _mb(paths) -> float:
    return sum(p.stat().st_size for p in paths if p.is_file()) / 2 ** 20


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ladder_figures(clip: Path, preset: str | None = None, work_dir: Path | None = None) -> dict:
    from mooc.video.processing.media_probe import probe
    from mooc.video.processing.transcode_pipeline import transcode
    preset = preset or os.environ.get("TRANSCODE_PRESET", "veryfast")
    info = probe(clip)
    work = Path(tempfile.mkdtemp(prefix="ladder-", dir=work_dir))
    try:
        cpu, wall = _children_cpu(), time.perf_counter()
        result = transcode(clip, work, heights=LADDER, preset=preset, hls=True,
                           audio_only=True, info=info)
        wall, cpu = time.perf_counter() - wall, _children_cpu() - cpu
        minutes = result.duration / 60
        per_minute = {f"{r.label}p": round(_mb([r.path]) / minutes, 2) for r in result.renditions}
        hls_dir = work / "hls"
        per_minute["hls segments"] = round(_mb(hls_dir.rglob("*.ts")) / minutes, 2)
        per_minute["audio.m4a"] = round(_mb([result.audio]) / minutes, 2) if result.audio else 0
        per_minute["total"] = round(_mb(work.rglob("*")) / minutes, 2)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"clip": {"seconds": round(info.duration, 2), "width": info.width,
                     "height": info.height},
            "preset": preset, "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "x_realtime_wall": round(info.duration / wall, 2),
            "x_realtime_two_cores": round(info.duration / (cpu / 2), 2) if cpu else None,
            "mb_per_minute": per_minute}


def report_lines(fig: dict) -> list[str]:
    c = fig["clip"]
    sizes = ", ".join(f"{k} {v} MB" for k, v in fig["mb_per_minute"].items())
    return [f"Adaptive ladder (240p+360p+720p+audio, HLS; one ffmpeg run, preset "
            f"`{fig['preset']}`) on {c['seconds']} s {c['width']}×{c['height']}: "
            f"**{fig['x_realtime_wall']}× real time** by the wall clock, "
            f"**{fig['x_realtime_two_cores']}×** by ffmpeg's CPU time on two cores "
            f"({fig['cpu_seconds']} CPU s). Storage per minute of video: {sizes}.\n"]


if __name__ == "__main__":
    import json
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.media_bench import make_clip
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else make_clip(
        Path(tempfile.gettempdir()) / "ladder-bench" / "clip-720p.mp4")
    print(json.dumps(ladder_figures(source), indent=1, ensure_ascii=False))
