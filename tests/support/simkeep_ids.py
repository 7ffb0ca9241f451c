"""Identifiers shared by the Python tests and the benchmark: the Luhn check digit of ICCIDs."""


def luhn_check_digit(payload):
    """The Luhn check digit of a string of digits, as a one-character string."""
    total = 0
    for index, char in enumerate(reversed(payload)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)

