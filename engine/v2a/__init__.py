"""Video-to-audio: sound generated from the picture, in sync with what happens on screen.

``impacts`` times contacts from the pixels at sub-frame precision; ``features`` turns a video into
per-10-ms visual features; ``model`` predicts an onset track and a log-mel spectrogram from them; ``mel``
turns the spectrogram into a waveform; ``pipeline`` runs the whole path on any video, any length.
"""
