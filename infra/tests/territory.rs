//! The territory loader against the real published files in
//! `../shared/data/territory`: counts, the ČSÚ/RÚIAN crosswalk, the
//! municipality → ORP → kraj mapping, centres and census population.

use infra::territory::load_dir;
use test_support::shared_data_dir;

#[test]
fn the_real_structure_loads_with_its_known_facts() {
    let t = load_dir(&shared_data_dir().join("territory")).unwrap();
    assert_eq!(t.municipalities.len(), 6258);
    assert_eq!(t.orp.len(), 206);
    assert_eq!(t.kraje.len(), 14);

    // Ústecký kraj has 16 ORP; Děčín is ČSÚ 4202 = RÚIAN 728.
    let ulk = t.kraj_by_any_code("CZ042").unwrap();
    assert_eq!(
        (ulk.name.as_str(), ulk.ruian_code.as_str()),
        ("Ústecký kraj", "60")
    );
    assert_eq!(t.orp_in_kraj("CZ042").count(), 16);
    let decin = t.orp_by_any_code("728").unwrap();
    assert_eq!(
        (decin.csu_code.as_str(), decin.name.as_str()),
        ("4202", "Děčín")
    );
    assert_eq!(t.kraj_by_any_code("60").unwrap().nuts, "CZ042");

    // Every municipality maps to exactly one ORP, and that ORP to the municipality's kraj.
    for m in t.municipalities.values() {
        let orp = t
            .orp_of_municipality(&m.code)
            .unwrap_or_else(|| panic!("{} has no ORP", m.name));
        assert_eq!(orp.kraj_nuts, m.kraj_nuts, "{}", m.name);
    }
    // Every ORP has municipalities.
    for o in t.orp.values() {
        assert!(
            t.municipalities.values().any(|m| m.orp == o.csu_code),
            "{} is empty",
            o.name
        );
    }

    // Centres for (nearly) all, inside the country; Brdy (abolished) is ignored.
    let with_centre = t
        .municipalities
        .values()
        .filter(|m| m.centre.is_some())
        .count();
    assert!(with_centre > 6200, "{with_centre}");
    assert!(!t.municipalities.contains_key("539996"));
    let (lat, lon) = t.municipalities["562335"].centre.unwrap();
    assert!(
        (50.7..50.8).contains(&lat) && (14.1..14.3).contains(&lon),
        "Děčín at {lat},{lon}"
    );
    let decin = &t.municipalities["562335"];
    assert_eq!(
        (decin.okres.as_str(), decin.postcode.as_deref()),
        ("Děčín", Some("40502"))
    );
    let with_postcode = t
        .municipalities
        .values()
        .filter(|m| m.postcode.is_some())
        .count();
    assert_eq!(with_postcode, with_centre);

    // Census 2021 by ORP adds up to the published totals; boundaries are there.
    let total: u64 = t
        .orp
        .values()
        .filter_map(|o| o.population)
        .map(|p| p.total)
        .sum();
    let seniors: u64 = t
        .orp
        .values()
        .filter_map(|o| o.population)
        .map(|p| p.age_65_plus)
        .sum();
    assert_eq!((total, seniors), (10_524_167, 2_148_048));
    assert_eq!(t.orp_boundaries.len(), 206);
    assert_eq!(t.kraj_boundaries.len(), 14);
    assert!(t.kraje.values().all(|k| k.population.is_some()));
}

#[test]
fn a_folder_without_the_structure_is_a_clear_error() {
    let dir = test_support::TempDir::new();
    let err = load_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("struktura_uzemi_cr.csv"), "{err}");
}
