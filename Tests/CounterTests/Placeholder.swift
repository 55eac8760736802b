// Placeholder so the test target builds before its issue fills it; delete when adding real tests.
