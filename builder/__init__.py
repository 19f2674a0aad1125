"""The designer's side of minimomen: definition models, validation, storage, designer API."""
