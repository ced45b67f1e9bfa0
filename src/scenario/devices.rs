//! Device classes: what a consumer thermostat and an industrial vibration sensor are like.
//!
//! A fleet can name a class (`class: SmartMeter`) and take from it every field it does not
//! write: how often it reports, how big a reading is, the protocol that carries it, how it is
//! powered, how long it lives and where it is installed. `iotwin catalog devices` prints the
//! table. As in the link catalogue (`catalog.rs`), every number carries its source or its
//! reasoning, and where they disagree the numbers lean towards the worse case.
//!
//! Lifetimes are written for the reference environment (indoors, ground fixed controlled) and
//! divided by the [`Environment`] factor, so the same class installed outdoors fails sooner.

use serde::{Deserialize, Serialize};

use super::catalog::Tech;
use super::values::{Amount, Battery, Dist, Failure, Positive};
use crate::engine::Duration;

/// A kind of device with defensible defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum DeviceClass {
    SmartThermostat,
    Camera,
    SmartPlug,
    SmartLight,
    Wearable,
    Doorbell,
    RobotVacuum,
    VibrationSensor,
    TemperatureTransmitter,
    PressureTransmitter,
    FlowMeter,
    PlcIo,
    SmartMeter,
    AssetTracker,
    EdgeGateway,
}

/// The application protocol carrying a reading, with its security and transport layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum Protocol {
    /// MQTT 3.1.1 over TLS over TCP.
    Mqtt,
    /// CoAP over DTLS over UDP.
    Coap,
    /// LwM2M (CoAP, DTLS, UDP) with SenML payload framing.
    Lwm2m,
    /// OPC UA binary, secure conversation over TCP.
    OpcUa,
    /// Modbus TCP (no security layer).
    ModbusTcp,
    /// Nothing added: `message_bytes` already is what goes on the wire.
    Raw,
}

impl Protocol {
    pub const ALL: [Protocol; 6] = [
        Protocol::Mqtt,
        Protocol::Coap,
        Protocol::Lwm2m,
        Protocol::OpcUa,
        Protocol::ModbusTcp,
        Protocol::Raw,
    ];

    /// Bytes a message costs beyond its payload: the headers of the uplink packet and of the
    /// acknowledgement it causes. Used for link occupancy and for the data a plan bills.
    pub fn overhead_bytes(self) -> u32 {
        match self {
            // MQTT 3.1.1 PUBLISH QoS 1: fixed header 2 + topic length 2 + a ~20-byte topic +
            // packet id 2 (OASIS MQTT 3.1.1 §3.3); TLS 1.2 record 5 + AES-GCM nonce 8 + tag 16
            // (RFC 5288); TCP 20 + IPv4 20. PUBACK: 4 + 29 + 40. Total 26+29+40+73 = 168.
            Protocol::Mqtt => 168,
            // CoAP confirmable: header 4 + token 4 + Uri-Path and Content-Format options ~16
            // (RFC 7252); DTLS 1.2 record 13 + AES-CCM-8 nonce 8 + tag 8 (RFC 6655); UDP 8 +
            // IPv4 20. Empty ACK: 4 + 29 + 28. Total 24+29+28+61 = 142.
            Protocol::Coap => 142,
            // LwM2M Send/Notify is CoAP plus SenML-CBOR framing of the resource path, ~14
            // bytes (OMA LwM2M 1.1 §7.4; reasoning: base name and one record's keys).
            Protocol::Lwm2m => 156,
            // OPC UA binary: message header 8 + secure channel id 4 + symmetric security header
            // 4 + sequence header 8 + request header ~40 + node id and variant encoding ~20
            // (OPC 10000-6 §6.7); signature 32 (HMAC-SHA256); TCP 20 + IPv4 20; the response
            // is about as large. reasoning: ~136 each way, 270 in all.
            Protocol::OpcUa => 270,
            // Modbus TCP polled read: request MBAP 7 + PDU 5 + TCP/IP 40 = 52; response MBAP 7
            // + function and byte count 2 + TCP/IP 40 = 49 beside the data (Modbus Messaging
            // on TCP/IP Implementation Guide V1.0b). Total 101.
            Protocol::ModbusTcp => 101,
            Protocol::Raw => 0,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Protocol::Mqtt => "Mqtt",
            Protocol::Coap => "Coap",
            Protocol::Lwm2m => "Lwm2m",
            Protocol::OpcUa => "OpcUa",
            Protocol::ModbusTcp => "ModbusTcp",
            Protocol::Raw => "Raw",
        }
    }
}

/// Where a device is installed; harsher places shorten lifetimes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub enum Environment {
    /// Heated, dry, still: a home or an office.
    Indoor,
    /// Weather, temperature swings, sun: a façade, a pole, a meter pit.
    Outdoor,
    /// Heat, dust, vibration: a plant floor, a vehicle, a pump house.
    Harsh,
}

impl Environment {
    /// How many times faster devices fail here than indoors (lifetimes are divided by it).
    pub fn factor(self) -> f64 {
        match self {
            // Telcordia SR-332 environmental factor π_E, ground fixed controlled: 1.0.
            Environment::Indoor => 1.0,
            // Telcordia SR-332 π_E, ground fixed uncontrolled: 1.5.
            Environment::Outdoor => 1.5,
            // Telcordia SR-332 π_E, ground mobile: 2.0; reasoning: heat, dust and vibration on
            // a plant floor stress electronics about as much as a vehicle does.
            Environment::Harsh => 2.0,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Environment::Indoor => "Indoor",
            Environment::Outdoor => "Outdoor",
            Environment::Harsh => "Harsh",
        }
    }
}

/// Consumer or industrial: decides nothing in the model, but groups the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Market {
    Consumer,
    Industrial,
}

/// The defaults of one device class.
#[derive(Clone, Debug)]
pub struct DevicePreset {
    pub class: DeviceClass,
    pub market: Market,
    pub name: &'static str,
    pub report: Dist,
    pub message_bytes: u32,
    pub protocol: Protocol,
    /// `None` for mains or loop power.
    pub battery: Option<Battery>,
    pub failure: Failure,
    pub environment: Environment,
    /// The access technology such devices usually use (informative: a fleet's link is
    /// written in the scenario).
    pub typical_link: Tech,
}

const fn s(v: u64) -> Duration {
    Duration::from_secs(v)
}

const fn min(v: u64) -> Duration {
    s(60 * v)
}

const fn h(v: u64) -> Duration {
    s(3600 * v)
}

const fn d(v: u64) -> Duration {
    h(24 * v)
}

const fn y(v: u64) -> Duration {
    // 365 days, as scenario files read "1y".
    d(365 * v)
}

fn every(period: Duration) -> Dist {
    // Reports drift a little around their period (clock drift, wake-up jitter); the jitter is
    // small against the period and does not change the rate.
    Dist::Jitter {
        period,
        jitter: Box::new(Dist::Exponential { mean: s(1) }),
    }
}

fn weibull(shape: f64, scale: Duration) -> Dist {
    Dist::Weibull {
        shape: Positive(shape),
        scale,
    }
}

fn lognormal(median: Duration, sigma: f64) -> Dist {
    Dist::LogNormal {
        median,
        sigma: Positive(sigma),
    }
}

fn failure(lifetime: Dist, repair: Dist) -> Failure {
    Failure {
        lifetime,
        repair,
        start: super::values::Start::New,
    }
}

/// A consumer replaces a dead device when they notice and buy a new one.
/// reasoning: a median of 3 days with a long tail (some wait weeks).
fn consumer_replacement() -> Dist {
    lognormal(d(3), 1.0)
}

/// An industrial site repairs with a technician visit.
/// reasoning: a median of one working day from alarm to fix, tail to a week for parts.
fn technician_visit() -> Dist {
    lognormal(h(24), 0.8)
}

/// A battery with no figure known beyond the cell; other fields filled in per class.
#[allow(clippy::too_many_arguments)]
fn battery(
    capacity_mah: f64,
    voltage: f64,
    sleep_ua: f64,
    active_ma: f64,
    active_s: f64,
    self_discharge: f64,
    swap: Option<Dist>,
) -> Option<Battery> {
    Some(Battery {
        capacity_mah: Positive(capacity_mah),
        voltage: Positive(voltage),
        sleep_ua: Amount(sleep_ua),
        active_ma: Amount(active_ma),
        active_s: Amount(active_s),
        radio_mj_per_message: None,
        self_discharge_per_year: Amount(self_discharge),
        // reasoning: cells of one lot differ by a few percent in usable capacity; 5% is
        // conservative for primary lithium cells at moderate temperatures.
        spread: Amount(0.05),
        swap,
    })
}

/// The catalogue's preset for one device class.
pub fn preset(class: DeviceClass) -> DevicePreset {
    use DeviceClass::*;
    match class {
        SmartThermostat => DevicePreset {
            class,
            market: Market::Consumer,
            name: "smart thermostat",
            // reasoning: set-point and temperature state every 5 minutes, the order of what
            // cloud thermostats sync; events in between are not modelled.
            report: every(min(5)),
            message_bytes: 150,
            protocol: Protocol::Mqtt,
            // reasoning: powered from the HVAC's 24 V C-wire.
            battery: None,
            // reasoning: consumer electronics are replaced after 3–5 years of use; a Weibull
            // with shape 1.5 (mild wear-out) and scale 6 y has a mean of 5.4 y.
            failure: failure(weibull(1.5, y(6)), consumer_replacement()),
            environment: Environment::Indoor,
            typical_link: Tech::WiFi,
        },
        Camera => DevicePreset {
            class,
            market: Market::Consumer,
            name: "security camera",
            // reasoning: a heartbeat and motion metadata each minute (video itself goes
            // elsewhere and is not telemetry).
            report: every(min(1)),
            message_bytes: 512,
            protocol: Protocol::Mqtt,
            battery: None,
            // reasoning: image sensors and IR LEDs outdoors wear; scale 6 y indoors becomes
            // 4 y with the outdoor factor.
            failure: failure(weibull(1.5, y(6)), consumer_replacement()),
            environment: Environment::Outdoor,
            typical_link: Tech::WiFi,
        },
        SmartPlug => DevicePreset {
            class,
            market: Market::Consumer,
            name: "smart plug",
            // reasoning: power readings every 5 minutes, as energy-monitoring plugs upload.
            report: every(min(5)),
            message_bytes: 100,
            protocol: Protocol::Mqtt,
            battery: None,
            // reasoning: relays and mains power supplies dominate failures; mean ≈ 5.6 y.
            failure: failure(weibull(1.2, y(6)), consumer_replacement()),
            environment: Environment::Indoor,
            typical_link: Tech::WiFi,
        },
        SmartLight => DevicePreset {
            class,
            market: Market::Consumer,
            name: "smart light",
            // reasoning: state reports every 15 minutes over a Thread/Zigbee mesh.
            report: every(min(15)),
            message_bytes: 64,
            protocol: Protocol::Coap,
            battery: None,
            // reasoning: LED lamps are rated 15,000–25,000 h to L70, but the always-powered
            // radio and driver fail first; scale 8 y, mean ≈ 7.2 y.
            failure: failure(weibull(1.5, y(8)), consumer_replacement()),
            environment: Environment::Indoor,
            typical_link: Tech::Thread,
        },
        Wearable => DevicePreset {
            class,
            market: Market::Consumer,
            name: "wearable",
            // reasoning: activity summaries every 15 minutes through the phone.
            report: every(min(15)),
            message_bytes: 200,
            protocol: Protocol::Mqtt,
            // reasoning: a 300 mAh Li-ion cell (typical fitness bands hold 100–400 mAh), 3.7 V,
            // ~0.5 mA average with sensors on (sleep figure), recharged by the wearer within
            // about 2 hours of running flat; Li-ion loses ~2% a month at rest (Battery
            // University BU-802b) ≈ 0.24 a year.
            battery: battery(
                300.0,
                3.7,
                500.0,
                10.0,
                1.0,
                0.24,
                Some(lognormal(h(2), 0.5)),
            ),
            // reasoning: wearables are dropped, soaked and outgrown: mean ≈ 3 y.
            failure: failure(weibull(1.2, y(3)), consumer_replacement()),
            environment: Environment::Indoor,
            typical_link: Tech::Ble,
        },
        Doorbell => DevicePreset {
            class,
            market: Market::Consumer,
            name: "video doorbell",
            // reasoning: a heartbeat every 10 minutes plus events.
            report: every(min(10)),
            message_bytes: 256,
            protocol: Protocol::Mqtt,
            // reasoning: battery doorbells carry ~6,000 mAh at 3.6 V (Ring's removable pack is
            // 6,040 mAh) and ~0.5 mA average with Wi-Fi keep-alives; the owner recharges it
            // within about a day of the app's warning.
            battery: battery(
                6000.0,
                3.6,
                500.0,
                150.0,
                2.0,
                0.03,
                Some(lognormal(d(1), 0.7)),
            ),
            failure: failure(weibull(1.5, y(7)), consumer_replacement()),
            environment: Environment::Outdoor,
            typical_link: Tech::WiFi,
        },
        RobotVacuum => DevicePreset {
            class,
            market: Market::Consumer,
            name: "robot vacuum",
            // reasoning: status every 15 minutes while docked.
            report: every(min(15)),
            message_bytes: 256,
            protocol: Protocol::Mqtt,
            // reasoning: docked, so mains powered for telemetry purposes.
            battery: None,
            // reasoning: motors and brushes wear out: shape 2, scale 5 y (mean 4.4 y).
            failure: failure(weibull(2.0, y(5)), consumer_replacement()),
            environment: Environment::Indoor,
            typical_link: Tech::WiFi,
        },
        VibrationSensor => DevicePreset {
            class,
            market: Market::Industrial,
            name: "vibration sensor",
            // reasoning: condition-monitoring sensors send band energies every 10 minutes
            // and sleep in between.
            report: every(min(10)),
            message_bytes: 256,
            protocol: Protocol::Mqtt,
            // reasoning: one Li-SOCl2 AA cell, 2,600 mAh at 3.6 V (Saft LS14500 datasheet),
            // 5 µA asleep, 20 mA for 1 s to sample and compute an FFT, ~1% a year self-discharge
            // (Saft); swapped by a technician visit.
            battery: battery(2600.0, 3.6, 5.0, 20.0, 1.0, 0.01, Some(technician_visit())),
            // reasoning: industrial sensors are designed for 10–15 years; shape 2, scale 20 y
            // indoors becomes 10 y with the harsh factor (mean 8.9 y).
            failure: failure(weibull(2.0, y(20)), technician_visit()),
            environment: Environment::Harsh,
            typical_link: Tech::Private5G,
        },
        TemperatureTransmitter => DevicePreset {
            class,
            market: Market::Industrial,
            name: "temperature transmitter",
            // reasoning: process values sampled by the PLC each second reach the cloud as
            // one-minute telemetry.
            report: every(min(1)),
            message_bytes: 64,
            protocol: Protocol::ModbusTcp,
            // reasoning: loop powered (4–20 mA).
            battery: None,
            // reasoning: field transmitters report MTBF of well over 100 years in
            // IEC 61508 FMEDA reports; installed life is bounded by process damage and
            // obsolescence. Shape 1.5, scale 30 y outdoors → ~18 y mean.
            failure: failure(weibull(1.5, y(30)), technician_visit()),
            environment: Environment::Outdoor,
            typical_link: Tech::Ethernet,
        },
        PressureTransmitter => DevicePreset {
            class,
            market: Market::Industrial,
            name: "pressure transmitter",
            report: every(min(1)),
            message_bytes: 64,
            protocol: Protocol::ModbusTcp,
            battery: None,
            // reasoning: as the temperature transmitter, with the diaphragm in the process:
            // a little shorter, harsh by default.
            failure: failure(weibull(1.5, y(30)), technician_visit()),
            environment: Environment::Harsh,
            typical_link: Tech::Ethernet,
        },
        FlowMeter => DevicePreset {
            class,
            market: Market::Industrial,
            name: "flow meter",
            report: every(min(1)),
            message_bytes: 96,
            protocol: Protocol::ModbusTcp,
            battery: None,
            // reasoning: electromagnetic flow meters have no moving parts; scale 25 y
            // outdoors (mean ≈ 15 y), within the 10–20 year life of industrial fleets.
            failure: failure(weibull(1.5, y(25)), technician_visit()),
            environment: Environment::Outdoor,
            typical_link: Tech::Ethernet,
        },
        PlcIo => DevicePreset {
            class,
            market: Market::Industrial,
            name: "PLC-attached I/O",
            // reasoning: an I/O image every 10 s to the historian over OPC UA.
            report: every(s(10)),
            message_bytes: 512,
            protocol: Protocol::OpcUa,
            battery: None,
            // reasoning: PLC modules publish MTBFs of 50–100 years in cabinets; power supplies
            // and fans age: shape 1.3, scale 40 y in an indoor cabinet.
            failure: failure(weibull(1.3, y(40)), technician_visit()),
            environment: Environment::Indoor,
            typical_link: Tech::Ethernet,
        },
        SmartMeter => DevicePreset {
            class,
            market: Market::Industrial,
            name: "smart meter",
            // reasoning: 15-minute interval data is the common settlement granularity in
            // European electricity markets.
            report: every(min(15)),
            message_bytes: 128,
            protocol: Protocol::Lwm2m,
            // reasoning: electricity meters are mains powered (water and gas meters use the
            // battery field).
            battery: None,
            // reasoning: meters are certified for 15–20 years of service; shape 3 (wear-out
            // dominates), scale 20 y indoors in a meter cabinet: mean 17.9 y.
            failure: failure(weibull(3.0, y(20)), technician_visit()),
            environment: Environment::Indoor,
            typical_link: Tech::NbIot,
        },
        AssetTracker => DevicePreset {
            class,
            market: Market::Industrial,
            name: "asset tracker",
            // reasoning: a position fix every 15 minutes in transit.
            report: every(min(15)),
            message_bytes: 96,
            protocol: Protocol::Coap,
            // reasoning: two Li-SOCl2 AA cells in parallel, 5,200 mAh at 3.6 V; 10 µA asleep;
            // a GNSS fix of ~25 mA for ~20 s (u-blox M10 class receivers); swapped at the next
            // depot visit, a week on median.
            battery: battery(
                5200.0,
                3.6,
                10.0,
                25.0,
                20.0,
                0.01,
                Some(lognormal(d(7), 0.6)),
            ),
            // reasoning: shocks and weather on trucks and containers: scale 10 y indoors,
            // 5 y with the harsh factor.
            failure: failure(weibull(1.5, y(10)), lognormal(d(7), 0.6)),
            environment: Environment::Harsh,
            typical_link: Tech::LteM,
        },
        EdgeGateway => DevicePreset {
            class,
            market: Market::Industrial,
            name: "edge gateway (its own health telemetry)",
            // reasoning: health metrics every minute.
            report: every(min(1)),
            message_bytes: 512,
            protocol: Protocol::Mqtt,
            battery: None,
            // reasoning: fanless industrial PCs quote 10+ years; storage and power supplies
            // wear: shape 1.3, scale 12 y indoors.
            failure: failure(weibull(1.3, y(12)), technician_visit()),
            environment: Environment::Indoor,
            typical_link: Tech::Ethernet,
        },
    }
}

impl DeviceClass {
    pub const ALL: [DeviceClass; 15] = [
        DeviceClass::SmartThermostat,
        DeviceClass::Camera,
        DeviceClass::SmartPlug,
        DeviceClass::SmartLight,
        DeviceClass::Wearable,
        DeviceClass::Doorbell,
        DeviceClass::RobotVacuum,
        DeviceClass::VibrationSensor,
        DeviceClass::TemperatureTransmitter,
        DeviceClass::PressureTransmitter,
        DeviceClass::FlowMeter,
        DeviceClass::PlcIo,
        DeviceClass::SmartMeter,
        DeviceClass::AssetTracker,
        DeviceClass::EdgeGateway,
    ];

    /// The identifier a scenario file uses.
    pub fn id(self) -> String {
        format!("{self:?}")
    }
}

/// The device catalogue as an aligned plain-text table, for `iotwin catalog devices`.
pub fn table() -> String {
    let header = [
        "id",
        "device",
        "market",
        "report",
        "bytes",
        "protocol (+bytes)",
        "power",
        "lifetime",
        "environment",
        "link",
    ];
    let rows: Vec<Vec<String>> = DeviceClass::ALL
        .iter()
        .map(|&c| {
            let p = preset(c);
            vec![
                c.id(),
                p.name.to_string(),
                match p.market {
                    Market::Consumer => "consumer".into(),
                    Market::Industrial => "industrial".into(),
                },
                period(&p.report),
                p.message_bytes.to_string(),
                format!("{} (+{})", p.protocol.id(), p.protocol.overhead_bytes()),
                p.battery
                    .as_ref()
                    .map_or("mains".into(), |b| format!("{} mAh", b.capacity_mah.0)),
                lifetime(&p.failure.lifetime),
                format!("{} (×{})", p.environment.id(), p.environment.factor()),
                p.typical_link.id().to_string(),
            ]
        })
        .collect();
    let mut out = super::catalog::aligned(&header, &rows);
    out.push_str(
        "\nLifetimes are for indoor use; a fleet's environment divides them by its factor \
         (Telcordia SR-332 π_E).\nProtocol bytes are added to message_bytes on the wire and in \
         billed data.\n",
    );
    out
}

fn period(d: &Dist) -> String {
    match d {
        Dist::Jitter { period, .. } | Dist::Fixed(period) => period.to_string(),
        other => format!("{other:?}"),
    }
}

fn lifetime(d: &Dist) -> String {
    match d {
        Dist::Weibull { shape, scale } => format!("Weibull({}, {scale})", shape.0),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_a_plausible_preset() {
        for c in DeviceClass::ALL {
            let p = preset(c);
            assert_eq!(p.class, c);
            assert!(p.message_bytes > 0, "{c:?}");
            if let Some(b) = &p.battery {
                assert!(b.capacity_mah.0 > 0.0 && b.voltage.0 > 0.0, "{c:?}");
            }
        }
        assert!(table().contains("SmartMeter"));
        assert_eq!(DeviceClass::ALL.len(), 15);
    }

    #[test]
    fn harsher_places_fail_sooner() {
        assert!(Environment::Indoor.factor() < Environment::Outdoor.factor());
        assert!(Environment::Outdoor.factor() < Environment::Harsh.factor());
    }
}
