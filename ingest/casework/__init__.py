"""The case work on the municipal side: the store's data loaded for the checks, check runs kept, the case officer's decisions and their responses."""
