"""What serves a whole class from one machine: shared trainings, a fair CPU queue, a memory budget, the warm-up."""
