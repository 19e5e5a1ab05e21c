"""Wizards (image folder import, dataset transform): each page produces part of a core Spec; the
long work runs on the I/O thread with progress and cancel."""
