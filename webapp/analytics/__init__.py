"""Learning events and the daily rollups made from them (the web app's side of analytics/).

`events.py` records what a learner did (answered, hinted, asked, explained, mastered)
in the transaction that did it; `rollups.py` adds the events up per (course, KC, day)
with the pure functions of analytics/, incrementally or from scratch.
"""
