"""What buyers are worth: the buy-till-you-die models and the tier rule."""
