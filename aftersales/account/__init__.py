"""The customer's own page (/me/): password-less sign-in and the customer's orders, tickets, reviews, occasions."""
