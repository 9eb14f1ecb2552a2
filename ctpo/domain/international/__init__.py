"""International applications entering the CTPO phase under the PCT."""
