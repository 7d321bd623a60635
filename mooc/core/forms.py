"""Form helpers shared by every feature."""
from wtforms.fields.choices import SelectChoice


def options(pairs):
    """(value, label) pairs as SelectChoice: WTForms 3.3 deprecates plain tuples."""
    return [pair if isinstance(pair, SelectChoice) else SelectChoice(value=str(pair[0]),
                                                                      label=pair[1])
            for pair in pairs]
