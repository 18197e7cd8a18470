"""The journey engine: entry triggers, steps and the scheduler that moves customers through them set-based.

- ``registry``: what journeys can start from, test and do (upper floors register their own);
- ``versions``: a journey's steps saved as a new version, checked (every key known, no cycle);
- ``enrol``: customers entering a journey, under its re-entry rule, one ``INSERT … SELECT``;
- ``engine``: the tick, every minute: each step's due enrolments moved on in bulk SQL;
- ``builtin``: communication's own triggers, conditions and actions; ``listeners``: the bus;
- ``sending``: journey e-mails through the sending pipeline; ``templates``: ready-made journeys;
- ``graph``: the journey page's SVG and its counts.
"""
