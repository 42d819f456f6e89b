"""Who may do what: sign-in accounts, roles enforced on every change to the workspace, the audit
log, and customers' personal data (forgetting a customer, pseudonymised exports, retention).

The faces (pages, command line) hand every workspace call to :class:`~retail.access.guard.GuardedWorkspace`
for the acting person; it refuses what their role may not do with a plain :class:`PermissionError`.
"""
