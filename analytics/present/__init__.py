"""Presentation: charts, wording, insights and the one formatter that pages, exports and the CLI share."""
