"""The provider's pure decisions: the inputs as it keeps them, their rules, what a change means, the request
bodies, the outputs and the marks in a cluster's description. No network, no engine: each is tested alone."""
