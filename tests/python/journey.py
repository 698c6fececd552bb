"""A rider's journey through MovR's API with the Python client generated from
the committed `openapi.json` by openapi-python-client.

    PYTHONPATH=DIR-WITH-movr_client python3 journey.py http://HOST:PORT/api/v1

Every answer is read as the generated model of its schema (`User`, `Token`,
`VehiclePage`, `Ride`, `Error`, ...) and checked; the script exits non-zero
(with a traceback) at the first answer that is not what the spec promises.
`tests/tests/api/python_client.rs` runs it against a real server.
"""

import datetime
import sys
from http import HTTPStatus
from uuid import UUID

from movr_client import AuthenticatedClient, Client
from movr_client.api.rides import end_ride, start_ride
from movr_client.api.tokens import log_in
from movr_client.api.users import register
from movr_client.api.vehicles import (
    add_vehicle,
    get_vehicle,
    list_my_vehicles,
    list_vehicles,
)
from movr_client.models import (
    City,
    Error,
    ErrorCode,
    FieldError,
    Location,
    Login,
    Money,
    NewRide,
    NewUser,
    NewVehicle,
    OwnedVehicle,
    OwnedVehiclePage,
    Point,
    Ride,
    RideEnd,
    Token,
    User,
    Vehicle,
    VehiclePage,
    VehicleStatus,
    VehicleType,
)

PASSWORD = "correct horse battery"
# A place on New York's map (the spec's example for ending a ride).
CENTRAL_PARK = ("Central Park", -73.9654, 40.7829)


def expect(value, model):
    """`value`, after checking it was parsed into the generated `model`."""
    assert isinstance(value, model), f"expected a {model.__name__}, got {value!r}"
    return value


def step(what):
    print(f"- {what}", flush=True)


def sign_up_and_log_in(base_url, username):
    client = Client(base_url=base_url)
    """A new rider in New York and their authenticated client."""
    user = expect(
        register.sync(
            client=client,
            body=NewUser(
                city="New York",
                first_name="Ada",
                last_name="Lovelace",
                email=f"{username}@example.com",
                username=username,
                password=PASSWORD,
            ),
        ),
        User,
    )
    assert user.city is City.NEW_YORK, user.city
    assert user.username == username and not user.is_owner, user
    assert isinstance(user.id, UUID), user.id

    token = expect(
        log_in.sync(client=client, body=Login(username=username, password=PASSWORD)),
        Token,
    )
    assert token.token, token
    assert token.expires_at > datetime.datetime.now(datetime.UTC), token
    return user, AuthenticatedClient(base_url=base_url, token=token.token)


def main(base_url):
    client = Client(base_url=base_url)

    step("a refused sign-up: the typed error lists every field at fault")
    refused = register.sync_detailed(
        client=client,
        body=NewUser(
            city="Atlantis",
            first_name="Ada",
            last_name="Lovelace",
            email="not an address",
            username="ada",
            password=PASSWORD,
        ),
    )
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY, refused
    error = expect(refused.parsed, Error)
    assert error.code is ErrorCode.INVALID_INPUT, error
    fields = {expect(e, FieldError).field for e in error.errors}
    assert {"city", "email"} <= fields, fields

    step("sign up and log in")
    rider, riding = sign_up_and_log_in(base_url, "pyrider")

    step("list New York's vehicles")
    page = expect(list_vehicles.sync(City.NEW_YORK, client=riding), VehiclePage)
    assert page.vehicles, "New York has seeded vehicles"
    for vehicle in page.vehicles:
        expect(vehicle, Vehicle)
        assert vehicle.city is City.NEW_YORK, vehicle
        assert isinstance(vehicle.type_, VehicleType), vehicle
        assert isinstance(vehicle.status, VehicleStatus), vehicle
        expect(vehicle.last_location, Location)
    vehicle = next(v for v in page.vehicles if v.status is VehicleStatus.AVAILABLE)

    step(f"start a ride on {vehicle.brand} {vehicle.type_} {vehicle.id}")
    ride = expect(
        start_ride.sync(
            client=riding, body=NewRide(city=City.NEW_YORK, vehicle_id=vehicle.id)
        ),
        Ride,
    )
    assert (ride.vehicle_id, ride.rider_id) == (vehicle.id, rider.id), ride
    assert (ride.city, ride.rider_city) == (City.NEW_YORK, City.NEW_YORK), ride
    assert ride.end_time is None and ride.end_location is None, "the ride is open"
    assert expect(ride.start_location, Location) == vehicle.last_location, ride
    in_use = expect(get_vehicle.sync(City.NEW_YORK, vehicle.id, client=riding), Vehicle)
    assert in_use.status is VehicleStatus.IN_USE, in_use

    step("another rider is refused the vehicle in use: a typed 409")
    _, other = sign_up_and_log_in(base_url, "pyrider2")
    taken = start_ride.sync_detailed(
        client=other, body=NewRide(city=City.NEW_YORK, vehicle_id=vehicle.id)
    )
    assert taken.status_code == HTTPStatus.CONFLICT, taken
    error = expect(taken.parsed, Error)
    assert error.code is ErrorCode.VEHICLE_IN_USE, error
    assert error.message and error.errors == [], error

    step("end the ride at Central Park")
    label, longitude, latitude = CENTRAL_PARK
    ended = expect(
        end_ride.sync(
            ride.id,
            client=riding,
            body=RideEnd(location=label, longitude=longitude, latitude=latitude),
        ),
        Ride,
    )
    assert ended.id == ride.id, ended
    assert expect(ended.end_time, datetime.datetime) >= ended.start_time, ended
    end = expect(ended.end_location, Location)
    assert end.label == label, end
    point = expect(end.point, Point)
    assert (point.x, point.y) == (longitude, latitude), point
    parked = expect(get_vehicle.sync(City.NEW_YORK, vehicle.id, client=riding), Vehicle)
    assert parked.status is VehicleStatus.AVAILABLE, parked
    assert parked.last_location == end, parked

    step("an owner's vehicle is ridden, and the owner sees what it earned")
    bike = expect(
        add_vehicle.sync(
            client=riding,
            body=NewVehicle(
                type_="bike",
                color="red",
                brand="Brompton",
                location=label,
                longitude=longitude,
                latitude=latitude,
            ),
        ),
        Vehicle,
    )
    lent = expect(
        start_ride.sync(
            client=other, body=NewRide(city=City.NEW_YORK, vehicle_id=bike.id)
        ),
        Ride,
    )
    expect(
        end_ride.sync(
            lent.id,
            client=other,
            body=RideEnd(location=label, longitude=longitude, latitude=latitude),
        ),
        Ride,
    )
    mine = expect(list_my_vehicles.sync(client=riding), OwnedVehiclePage)
    today = datetime.datetime.now(datetime.UTC).date()
    ends = datetime.date.fromisoformat(mine.to)
    assert ends >= today - datetime.timedelta(days=1), mine
    owned = expect(mine.vehicles[0], OwnedVehicle)
    assert (owned.id, owned.rides) == (bike.id, 1), owned
    earned = expect(owned.earnings, Money)
    # A New York bike: $1.00 to unlock and $0.15 for the started minute.
    assert (earned.minor_units, earned.currency) == (115, "USD"), earned
    before = expect(
        list_my_vehicles.sync(client=riding, from_="2020-01-01", to="2020-01-31"),
        OwnedVehiclePage,
    )
    assert before.vehicles[0].rides == 0, before
    assert before.vehicles[0].earnings.minor_units == 0, before

    step("a period that does not read: a typed 422 naming its field")
    refused = list_my_vehicles.sync_detailed(
        client=riding, from_="2020-02-01", to="2020-01-31"
    )
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY, refused
    error = expect(refused.parsed, Error)
    assert (error.code, error.field) == (ErrorCode.INVALID_INPUT, "from"), error

    print("journey done", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BASE-URL (e.g. http://127.0.0.1:8080/api/v1)")
    main(sys.argv[1])
