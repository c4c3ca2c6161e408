"""What serves a whole class from one machine: shared trainings and results, a fair CPU queue, a memory budget, the warm-up."""
