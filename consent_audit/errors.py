"""The one error the audit raises: a line that says why the site could not be audited."""


class AuditError(Exception):
    pass
