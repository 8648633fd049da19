"""Video-to-audio: sound generated from the picture, in sync with what happens on screen.

So far: ``impacts`` times contacts from the pixels at sub-frame precision; the sound model follows.
"""
