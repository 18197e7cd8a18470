"""A/B/n tests and holdouts of a campaign: the statistics (``stats``), the random but repeatable split of an audience
(``buckets``) and the outcomes that later stages report into it (``outcomes``). Pure code here; the models are in
``campaigns.models.experiments``, the writes in ``campaigns.services.experiments``, the reads in
``campaigns.selectors_experiments``."""
