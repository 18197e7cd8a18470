from tests.factories import CustomerFactory, OrderLineFactory


def test_factories_build_a_persian_customer_with_an_order(db):
    customer = CustomerFactory(persian=True)
    line = OrderLineFactory(order__customer=customer)
    assert customer.preferred_language == "fa"
    assert line.order.customer == customer
