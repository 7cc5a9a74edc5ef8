"""The scores wing: everything between a saved row and a number on a page."""
