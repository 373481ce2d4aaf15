// libtorch already spreads each operation over all cores; test classes running side by side would only
// fight over them (and blur the training speed the tests report).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
