"""Courses as ramps: the file format, its parser and its validator.

A course is a folder (see FORMAT.md). `load_course(path)` parses and validates it and
returns a `Course`, or raises `CourseError` listing every problem with its file and
line. Plain Python: no Django, usable from a notebook.
"""

from content.errors import CourseError, Problem
from content.load import load_course
from content.ramp import KC, BKTParams, Course, Item

__all__ = ["BKTParams", "KC", "Course", "CourseError", "Item", "Problem", "load_course"]
