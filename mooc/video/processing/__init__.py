"""Turning an uploaded video into what the player needs: probe, plan, transcode, package.

    media_probe        what a file contains (and whether it is a video at all)
    rendition_plan     which resolutions and bitrates to make
    ffmpeg_runner      finding and running ffmpeg safely
    transcode_pipeline the renditions, then HLS (hls_packaging) and a poster (poster_frame)
    transcode_outputs  the names of what is written
    transcoding        the background job around the pipeline (rows, progress, storage)
    ffmpeg_tools       one import for the helpers above
"""
