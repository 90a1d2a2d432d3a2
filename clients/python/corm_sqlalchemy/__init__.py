"""corm for SQLAlchemy users.

register(Base, connection) registers in corm the relationships and
association proxies that SQLAlchemy declarative models declare;
load(session, Model, spec, ...) and get(session, Model, id, spec) load a
whole object graph through corm_load / corm_get in one server call and
return it as Python dicts and lists.  See clients/python/README.md.
"""
from .errors import (CormError, CormNotInstalled, RegistrationConflict, RegistrationError,
                     TableNotFound, UnsupportedRelationship)
from .loading import get, load
from .registration import Registration, register

__all__ = ["register", "load", "get", "Registration", "CormError", "CormNotInstalled",
           "TableNotFound", "UnsupportedRelationship", "RegistrationConflict", "RegistrationError"]
__version__ = "0.1.0"
