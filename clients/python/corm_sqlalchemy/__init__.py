"""corm for SQLAlchemy users.

register(Base, connection) registers in corm the relationships and
association proxies that SQLAlchemy declarative models declare.
See clients/python/README.md.
"""
from .errors import (CormError, CormNotInstalled, RegistrationConflict, RegistrationError,
                     TableNotFound, UnsupportedRelationship)
from .registration import Registration, register

__all__ = ["register", "Registration", "CormError", "CormNotInstalled", "TableNotFound",
           "UnsupportedRelationship", "RegistrationConflict", "RegistrationError"]
__version__ = "0.1.0"
