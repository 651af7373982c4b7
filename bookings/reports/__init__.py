"""Reports a clinic runs its business on: attendance, revenue, clients, therapists'
utilisation and the waitlist's fill rate for a period, each figure with its definition, the
period before beside it, and every table as CSV. Counted in SQL; nothing walks the bookings."""
