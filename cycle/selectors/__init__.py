"""Every read of the loop and the plan that is more than a ``.get()``."""
