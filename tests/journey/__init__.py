"""Tests of journey_app.journey: markers, chapter text, the content library, extract equivalence."""
