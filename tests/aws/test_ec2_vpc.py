"""A subnet's address allocator hands out what a walk over every interface would: the
lowest address no interface holds (the first four and the last reserved), "" when none
is left."""

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from simulator.aws.ec2_vpc import _SubnetAddresses

CIDR = "10.0.0.0/28"  # 16 addresses: 11 to hand out


def lowest_free(cidr: str, used: list[str]) -> str:
    net = ipaddress.ip_network(cidr)
    free = (str(net[i]) for i in range(4, net.num_addresses - 1))
    return next((a for a in free if a not in used), "")


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 40)), max_size=60))
def test_takes_the_lowest_free_address_as_a_walk_would(ops) -> None:
    addresses = _SubnetAddresses(CIDR)
    held: list[str] = []  # one entry per interface, "" for one without an address
    for take, k in ops:
        if take or not held:
            expected = lowest_free(CIDR, held)
            assert addresses.take() == expected
            held.append(expected)
        else:
            gone = held.pop(k % len(held))
            addresses.give_back(gone)
        assert addresses.held == len(held)
