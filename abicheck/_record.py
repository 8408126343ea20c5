"""Record classes: what :func:`dataclasses.dataclass` makes, without making it.

Python 3.11's ``dataclass`` compiles each method it writes on its own (0.3 to 0.9 ms
a class), and importing :mod:`dataclasses` imports :mod:`inspect` (5 ms more), most
of a one-header ``abicheck parse`` beyond the interpreter. A record class declares
its fields as annotations, in order, and writes its own ``__init__`` (setting them;
a frozen one through ``object.__setattr__``) and ``__slots__`` (if it has them);
from :class:`Record` it gets what the dataclass of those fields would have:
``repr``, ``==`` (``eq=False``: identity), ``hash`` when frozen (or
``unsafe_hash``), assignment and
deletion refused with :class:`dataclasses.FrozenInstanceError` when frozen,
``__match_args__`` and pickling. ``dataclasses.fields``, ``replace``, ``asdict`` and
``is_dataclass`` take it as that dataclass, which is made the first time they ask
(``tests/test_record.py`` holds each record class to it).
"""

from __future__ import annotations

from operator import attrgetter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from dataclasses import Field
    from typing import Any, ClassVar, TypeVar, dataclass_transform

    R = TypeVar("R", bound="Record")
else:

    def dataclass_transform(**_: object) -> object:
        return lambda cls: cls


#: What a frozen record's ``__init__`` sets its fields with (``_set(self, "name", name)``).
set_field = object.__setattr__


class _DataclassInfo:
    """A record class's ``__dataclass_fields__`` or ``__dataclass_params__``: those of
    the dataclass of its fields, made when first read and kept on the class."""

    __slots__ = ("attr",)

    def __set_name__(self, owner: type, name: str) -> None:
        self.attr = name

    def __get__(self, obj: object, cls: type[Record]) -> Any:
        if not hasattr(cls, "_fields"):  # Record itself: not a dataclass
            raise AttributeError(self.attr)
        # (a plain subclass of a record class has its base's, as of a dataclass)
        cls = next(c for c in cls.__mro__ if "_fields" in c.__dict__)
        made = as_dataclass(cls)
        for name in ("__dataclass_fields__", "__dataclass_params__"):
            setattr(cls, name, getattr(made, name))
        return getattr(made, self.attr)


def as_dataclass(cls: type[Record]) -> type:
    """The dataclass ``cls`` stands for: its fields' annotations, with the defaults of
    its ``__init__`` (a field in ``_factories`` defaults to a call of its factory)."""
    import dataclasses

    init = cls.__init__
    defaults = init.__defaults__ or ()
    names = cls._fields
    ns: dict[str, Any] = {
        "__annotations__": {n: cls.__annotations__[n] for n in names},
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
    }
    ns.update(zip(names[len(names) - len(defaults) :], defaults, strict=True))
    for name, factory in cls._factories.items():
        ns[name] = dataclasses.field(default_factory=factory)
    made: type = dataclasses.dataclass(
        eq=cls._eq,
        frozen=cls._frozen,
        unsafe_hash=cls._unsafe_hash,
        slots="__slots__" in cls.__dict__,
    )(type(cls.__name__, (), ns))
    return made


def _frozen_error(message: str) -> Exception:
    from dataclasses import FrozenInstanceError

    return FrozenInstanceError(message)


def _key_of(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The function giving a record's field values as a tuple."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


@dataclass_transform(eq_default=True, frozen_default=True)
class Record:
    """The base of record classes (see the module): ``class C(Record, frozen=True)``,
    ``eq=False`` for identity equality, ``unsafe_hash=True`` for a hash of the
    fields without frozenness; ``_factories`` names the fields whose defaults are
    made by calling a factory (``field(default_factory=...)``)."""

    __slots__ = ()
    if TYPE_CHECKING:
        __dataclass_fields__: ClassVar[dict[str, Field[Any]]]
        _fields: ClassVar[tuple[str, ...]]
        _frozen: ClassVar[bool]
        _eq: ClassVar[bool]
        _unsafe_hash: ClassVar[bool]
        _factories: ClassVar[dict[str, Callable[[], Any]]]
        _key: Callable[[Any], tuple[Any, ...]]  # (a staticmethod: a callable attribute)
    else:
        __dataclass_fields__ = _DataclassInfo()
        __dataclass_params__ = _DataclassInfo()
        _factories = {}

    def __init_subclass__(
        cls, frozen: bool = False, eq: bool = True, unsafe_hash: bool = False, **kw: Any
    ) -> None:
        super().__init_subclass__(**kw)
        if hasattr(cls, "_fields"):
            # A subclass of a record class (as of a dataclass, not made one again):
            # its fields, methods and parameters are its base's, whatever it
            # annotates (a dataclass's undecorated subclass adds no fields).
            return
        names = tuple(cls.__dict__.get("__annotations__", ()))
        cls._fields = names
        cls._frozen = frozen
        cls._eq = eq
        cls._unsafe_hash = unsafe_hash
        made: dict[str, Any] = {"__match_args__": names, "_key": staticmethod(_key_of(names))}
        if not eq:
            made.update(__eq__=object.__eq__, __hash__=object.__hash__)
        elif frozen or unsafe_hash:
            made["__hash__"] = Record._hash
        if frozen:
            made.update(__setattr__=Record._refuse_set, __delattr__=Record._refuse_del)
        own = cls.__dict__
        if frozen and "__slots__" in own:  # (as dataclass(slots=True); else the __dict__)
            made.update(__getstate__=Record._getstate, __setstate__=Record._setstate)
        for name, value in made.items():
            if name not in own:
                setattr(cls, name, value)

    def __repr__(self) -> str:
        values = ", ".join(f"{n}={v!r}" for n, v in zip(self._fields, self._key(self), strict=True))
        return f"{type(self).__qualname__}({values})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(self._key(self) == self._key(other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def _hash(self) -> int:
        return hash(self._key(self))

    def _refuse_set(self, name: str, value: object) -> None:
        raise _frozen_error(f"cannot assign to field {name!r}")

    def _refuse_del(self, name: str) -> None:
        raise _frozen_error(f"cannot delete field {name!r}")

    def _getstate(self) -> list[Any]:
        return list(self._key(self))

    def _setstate(self, state: list[Any]) -> None:
        for name, value in zip(self._fields, state, strict=True):
            object.__setattr__(self, name, value)

    def __replace__(self: R, **changes: Any) -> R:
        """``copy.replace(obj, **changes)`` (Python 3.13): :func:`replace`, as a
        dataclass has it."""
        return replace(self, **changes)


def replace(obj: R, **changes: Any) -> R:
    """``dataclasses.replace(obj, **changes)`` for a record, without importing
    :mod:`dataclasses`."""
    values = dict(zip(obj._fields, obj._key(obj), strict=True))
    values.update(changes)
    return type(obj)(**values)
