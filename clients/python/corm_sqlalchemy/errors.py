"""The exceptions of corm_sqlalchemy.

Errors that corm itself raises while loading (a bad load spec, a missing
privilege) reach the caller as the driver's exception (psycopg2.Error, or
SQLAlchemy's DBAPIError around it), with corm's message and hint.
"""


class CormError(Exception):
    """Base class of every error corm_sqlalchemy raises itself."""


class CormNotInstalled(CormError):
    """The database has no corm extension."""


class TableNotFound(CormError):
    """A model's table does not exist, or the role may not use its schema."""


class UnsupportedRelationship(CormError):
    """A relationship or association proxy that corm cannot express (a join
    that is not column equalities, a viewonly relationship, an order_by that
    is not the target's columns, ...); nothing was registered."""


class RegistrationConflict(CormError):
    """corm already has relationships or proxies of these names that differ
    from what the models declare; nothing was registered.  `conflicts` lists
    (table.name, field, registered value, declared value)."""

    def __init__(self, message, conflicts):
        super().__init__(message)
        self.conflicts = conflicts


class RegistrationError(CormError):
    """corm refused one registration; the message names the model attribute,
    __cause__ is the database error.  Earlier registrations of the same
    register() call were made in the caller's transaction: roll it back."""
