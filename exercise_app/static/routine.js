// Placeholder until the guided routine lands: the form works without JavaScript.
