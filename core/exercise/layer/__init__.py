"""The 1-D layer itself: exact forward and backward in each convention, its fields, formulas and many steps."""
