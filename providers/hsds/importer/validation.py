"""Validating records as ``full_clean`` would, without its queries per record."""

import functools
import operator

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Q

# ---- validation without queries ------------------------------------------------------------------------

COMPARISONS = {"exact": operator.eq, "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


class CannotEvaluate(Exception):
    """A constraint's condition uses something ``evaluate`` does not know: the database checks it instead."""


def field_value(instance: models.Model, name: str):
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        raise CannotEvaluate(name) from None
    if not field.concrete:
        raise CannotEvaluate(name)
    return getattr(instance, field.attname)


def evaluate(condition, instance: models.Model) -> bool | None:
    """The truth of a check constraint's condition for ``instance``, with SQL's NULL: True, False or None.

    A CHECK passes unless its condition is false, so None (unknown: a comparison with NULL) passes, as in
    the database and in ``CheckConstraint.validate``. Knows AND, OR, NOT, isnull, the comparisons and F().
    """
    if isinstance(condition, Q):
        results = [evaluate(child, instance) for child in condition.children]
        if condition.connector == Q.AND:
            result = False if False in results else None if None in results else True
        elif condition.connector == Q.OR:
            result = True if True in results else None if None in results else False
        else:
            raise CannotEvaluate(condition.connector)
        return not result if condition.negated and result is not None else result
    if not isinstance(condition, tuple):
        raise CannotEvaluate(condition)
    lookup, expected = condition
    name, _, lookup_name = lookup.partition("__")
    value = field_value(instance, name)
    if lookup_name == "isnull":
        return (value is None) == bool(expected)
    if isinstance(expected, F):
        expected = field_value(instance, expected.name)
    elif hasattr(expected, "resolve_expression"):
        raise CannotEvaluate(expected)
    compare = COMPARISONS.get(lookup_name or "exact")
    if compare is None:
        raise CannotEvaluate(lookup)
    if expected is None and compare is operator.eq:
        return value is None  # Django reads "= None" as IS NULL
    if value is None or expected is None:
        return None
    try:
        return compare(value, expected)
    except TypeError:
        raise CannotEvaluate(lookup) from None


def condition_fields(condition) -> set[str]:
    """The field names a Q condition refers to."""
    if isinstance(condition, Q):
        return set().union(*(condition_fields(child) for child in condition.children))
    if isinstance(condition, tuple):
        lookup, expected = condition
        names = {lookup.split("__")[0]}
        return names | ({expected.name.split("__")[0]} if isinstance(expected, F) else set())
    return set()


@functools.cache
def check_rules(model: type[models.Model]) -> list[tuple[models.CheckConstraint, frozenset]]:
    """The model's check constraints, each with the names of the fields it refers to."""
    return [
        (constraint, frozenset(condition_fields(constraint.condition)))
        for constraint in model._meta.constraints
        if isinstance(constraint, models.CheckConstraint)
    ]


def clean_in_memory(instance: models.Model) -> None:
    """Validate ``instance`` as ``full_clean`` would, without its queries; raise ValidationError.

    ``full_clean`` costs queries per record: one for each foreign key's target, one for each unique field
    and constraint, and a savepoint and a query for each check constraint. Here field values, ``clean()``
    and check constraints are validated in Python (a condition ``evaluate`` does not know is still asked of
    the database); a foreign key gets the field checks (null, blank, validators) but not the lookup of its
    target; uniqueness is left out. The caller checks references and uniqueness in sets (``Loader``).
    """
    meta = instance._meta
    relations = [field for field in meta.concrete_fields if field.is_relation]
    errors: dict = {}
    try:
        instance.clean_fields(exclude={field.name for field in relations})
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    for field in relations:
        value = getattr(instance, field.attname)
        if field.blank and value in field.empty_values:
            continue
        try:
            value = field.to_python(value)
            models.Field.validate(field, value, instance)  # a ForeignKey's own validate() queries its target
            field.run_validators(value)
            setattr(instance, field.attname, value)
        except ValidationError as error:
            errors[field.name] = error.error_list
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    for constraint, fields in check_rules(type(instance)):
        if fields & errors.keys():
            continue  # as full_clean: a constraint on a field that has an error is not checked
        try:
            holds = evaluate(constraint.condition, instance) is not False
        except CannotEvaluate:
            try:
                constraint.validate(type(instance), instance, exclude=set(errors))
                holds = True
            except ValidationError:
                holds = False
        if not holds:
            message = ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)
            errors = message.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


@functools.cache
def unique_rules(model: type[models.Model]) -> list[tuple[tuple[str, ...], tuple[str, ...], object]]:
    """The unique field sets of ``model`` besides its primary key: (names, attnames, the constraint or None).

    Only plain ones (fields, no condition, no expressions); the database enforces any other.
    """
    sets = [((field.name,), None) for field in model._meta.concrete_fields if field.unique and not field.primary_key]
    sets += [
        (tuple(constraint.fields), constraint)
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
        and constraint.fields
        and constraint.condition is None
        and not constraint.expressions
    ]
    return [
        (fields, tuple(model._meta.get_field(name).attname for name in fields), constraint)
        for fields, constraint in sets
    ]


def unique_problem(instance: models.Model, fields: tuple[str, ...], constraint) -> dict[str, str]:
    """What ``full_clean`` says of a record that repeats the unique ``fields`` of another."""
    if constraint is not None and constraint.violation_error_message != constraint.default_violation_error_message:
        return {"": constraint.get_violation_error_message()}
    error = instance.unique_error_message(type(instance), fields)
    return {fields[0] if len(fields) == 1 else "": " ".join(error.messages)}
