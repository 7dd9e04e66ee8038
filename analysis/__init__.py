"""The one text analysis: tokens, folding, spelling, stems and name keys."""
