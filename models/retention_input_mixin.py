import math

from odoo import Command, api, models
from odoo.exceptions import ValidationError

from .retention_server_fields_mixin import model_label

MODULE = "customer_retention"
TEXT_TYPES = ("char", "text", "html")
NUMBER_TYPES = ("integer", "float", "monetary")
# the largest whole number an integer column holds
MAX_INTEGER = 2**31 - 1
# amounts and other decimals up to 10^15: far beyond any expense or sales target, and their sums stay finite
# (1e308 + 1e308 would be infinite)
MAX_DECIMAL = 10**15


def quoted_number(value):
    """A number a user typed, as a message quotes it back: 3650000 rather than 3650000.0, NaN and Infinity as
    JSON names them."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer():
            return str(int(value))
    return str(value)


def _as_number(value):
    """The number a numeric field would store from ``value`` (a float, an int or a text such as "nan"), or None
    when it is none: Odoo then says what is wrong with it."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
    except OverflowError:  # an integer too large for a float
        return math.inf


class RetentionInputMixin(models.AbstractModel):
    """What users type into the addon's fields can be stored: no NUL character in a text (PostgreSQL refuses
    it), no NaN or infinity in a number, no number beyond what its column holds. Checked on ``create`` and
    ``write`` (RPC and imports included) before anything is written, with a message naming the field, instead
    of a database or Python error; the lines a record is saved with (one2many commands) are checked with it. Only the
    fields this addon declares are checked: the rest of a partner or a company is their modules' business."""

    _name = "retention.input.mixin"
    _description = "Storable Input"

    @api.model_create_multi
    def create(self, vals_list):
        self._retention_check_input(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._retention_check_input([vals])
        return super().write(vals)

    @api.model
    def _retention_check_input(self, vals_list):
        for vals in vals_list:
            for fname, value in vals.items():
                field = self._fields.get(fname)
                if field is None or MODULE not in (field._modules or ()):
                    continue
                if field.type in TEXT_TYPES:
                    if isinstance(value, str) and "\x00" in value:
                        raise ValidationError(
                            self.env._(
                                "%(field)s (%(model)s) contains a NUL character, which cannot be stored: remove it "
                                "(it often comes with text pasted from another program).",
                                field=field._description_string(self.env),
                                model=model_label(self),
                            )
                        )
                elif field.type in NUMBER_TYPES:
                    self._retention_check_number(field, _as_number(value))
                elif field.type == "one2many" and isinstance(value, list | tuple):
                    # the lines a form saves with its record: checked before the record itself is written
                    lines = self.env[field.comodel_name]
                    if isinstance(lines, RetentionInputMixin):
                        lines._retention_check_input(
                            [
                                command[2]
                                for command in value
                                if isinstance(command, list | tuple)
                                and len(command) == 3
                                and command[0] in (Command.CREATE, Command.UPDATE)
                                and isinstance(command[2], dict)
                            ]
                        )

    def _retention_check_number(self, field, number):
        if number is None:
            return
        if isinstance(number, float) and not math.isfinite(number):
            raise ValidationError(
                self.env._(
                    "%(field)s (%(model)s) must be a number, not %(value)s.",
                    field=field._description_string(self.env),
                    model=model_label(self),
                    value=quoted_number(number),
                )
            )
        highest = MAX_INTEGER if field.type == "integer" else MAX_DECIMAL
        if abs(number) > highest:
            # (no f-string inside the call: the extraction of the terms to translate would skip the message)
            limit = format(highest, ",")
            raise ValidationError(
                self.env._(
                    "%(field)s (%(model)s) is too large: %(value)s. It must lie between -%(limit)s and %(limit)s.",
                    field=field._description_string(self.env),
                    model=model_label(self),
                    value=quoted_number(number),
                    limit=limit,
                )
            )
