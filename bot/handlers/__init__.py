"""Thin command modules: parse → service → reply. One module per capability."""
