"""Reports: the JSON report of the C++ engine as a Python object with the same fields."""

import json

__all__ = ["Report"]


class Report:
    """A report: every field of the JSON report as an attribute (nested objects too), e.g.
    ``report.fp32_metric``, ``report.reverted[0].nodes``; ``to_dict()``, ``to_json()``, and
    ``summary`` (the readable lines the CLI prints; empty for plain quantization)."""

    def __init__(self, fields, summary=""):
        self._fields = fields
        self.summary = summary

    @classmethod
    def from_json(cls, text, summary=""):
        return cls(json.loads(text), summary)

    def __getattr__(self, name):
        fields = self.__dict__.get("_fields", {})
        if name not in fields:
            raise AttributeError(f"the report has no field '{name}'; fields: {sorted(fields)}")
        return _wrap(fields[name])

    def __getitem__(self, name):
        return _wrap(self._fields[name])

    def __contains__(self, name):
        return name in self._fields

    def __dir__(self):
        return sorted(set(self._fields) | {"to_dict", "to_json", "summary"})

    def to_dict(self):
        return json.loads(json.dumps(self._fields))

    def to_json(self, indent=2):
        return json.dumps(self._fields, indent=indent)

    def __repr__(self):
        return "Report(" + ", ".join(sorted(self._fields)) + ")"


def _wrap(value):
    if isinstance(value, dict):
        return Report(value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value
