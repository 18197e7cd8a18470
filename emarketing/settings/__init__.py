"""Settings: ``base`` holds everything, the other modules adjust it.

``local`` (the default) runs on embedded defaults, ``test`` is what pytest uses and ``production``
refuses to start without a real secret key.
"""
