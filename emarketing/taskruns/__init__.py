"""Every run of a scheduled Celery job, recorded from Celery's own task signals (see ``recorder.py``).

Here, below every stage, because the recorder must see the tasks of every app: a model in ``cycle`` would make
the bottom floor (where the signal handlers must live, so that no stage is imported to record a run) reach up.
The jobs page that reads these rows is ``cycle``'s.
"""
