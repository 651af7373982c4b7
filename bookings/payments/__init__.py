"""Payments: the session types' policies, the card and payment step while booking, Stripe's
webhooks and the reconcile task that stands in for a webhook that never came, the ledger,
refunds on cancelling in time and fees for late cancelling and no-shows.

Stripe is reached only through ``gateway`` (a local, stateful Stripe server by default, so
`make run` and the tests move no money and need no network)."""
