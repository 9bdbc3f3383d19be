"""Team mode (issue 14): accounts and roles (users), tasks and the review loop (tasks), the
request guard and edit permissions (auth), the tasks / review API (api), team metrics and
their report (metrics, report) and a simulated day (simulate). No Dash here."""
