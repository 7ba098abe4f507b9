"""Thesis Tracker."""
