from odoo import api, models
from odoo.exceptions import UserError


def model_label(records):
    """The model's name in the reader's language (Odoo translates it in ``ir.model``), for messages."""
    return records.env["ir.model"].sudo()._get(records._name).name or records._description


def refuse_server_values(records, vals, fnames, create=False):
    """Refuse values that only the server sets (workflow state, who decided and when, system figures) when a
    user sends them to ``create`` or ``write`` — over RPC, a view's ``readonly`` protects nothing.

    On create, a value equal to the field's own default passes (a form may send it), and a field left out
    gets that default explicitly: neither a ``default_<field>`` in the context nor a user default chooses it.
    Returns the values to use.
    """
    if records.env.su or not fnames:
        return vals
    vals = dict(vals)
    forged = []
    for fname in fnames:
        field = records._fields[fname]
        if not create:
            if fname in vals:
                forged.append(field)
            continue
        default = field.default(records.browse()) if field.default else False
        default = field.convert_to_write(field.convert_to_cache(default, records.browse(), validate=False), records)
        if fname not in vals:
            if field.store and not field.compute and not field.related:
                vals[fname] = default
            continue
        try:
            given = field.convert_to_write(
                field.convert_to_cache(vals[fname], records.browse(), validate=False), records
            )
        except (TypeError, ValueError, OverflowError):  # no value of the field at all (NaN for a figure): forged
            given = object()
        if (given or False) != (default or False):
            forged.append(field)
    if forged:
        raise UserError(
            records.env._(
                "%(fields)s of %(model)s can only be set by the application itself (its buttons and scheduled "
                "jobs), not written directly.",
                fields=", ".join(field._description_string(records.env) for field in forged),
                model=model_label(records),
            )
        )
    return vals


class RetentionServerFieldsMixin(models.AbstractModel):
    """Fields only the server sets: a model lists them in ``_server_fields`` (never from users: its action
    methods set them under ``sudo`` once they checked who acts) and ``_fixed_fields`` (given on create, never
    changed). Stored computed and related fields are the server's too: writing one would forge a figure or,
    through a related field, change another record.

    A model calls ``_server_create_vals`` first thing in ``create`` and ``_server_check_write`` first thing in
    ``write``, before it fills any of these fields itself.
    """

    _name = "retention.server.fields.mixin"
    _description = "Fields Set by the Server"

    _server_fields = ()
    _fixed_fields = ()

    @api.model
    def _server_field_names(self):
        derived = [
            name
            for name, field in self._fields.items()
            if field.store and (field.related or (field.compute and not field.inverse)) and not field.automatic
        ]
        return [*self._server_fields, *(name for name in derived if name not in self._server_fields)]

    @api.model
    def _server_create_vals(self, vals_list):
        if self.env.su:
            return vals_list
        self.check_access("create")  # who may not create at all hears that first
        fnames = self._server_field_names()
        return [refuse_server_values(self, vals, fnames, create=True) for vals in vals_list]

    def _server_check_write(self, vals):
        if not self.env.su:
            self.check_access("write")  # who may not write these records at all hears that first
            refuse_server_values(self, vals, [*self._server_field_names(), *self._fixed_fields])
