-- emp_data_types (stand-in): the link word types of the EMP framework's payload interface, for
-- checking trigc's emp_payload.vhd without the framework (ghdl -a --std=08). In an EMP project,
-- use the framework's own emp_data_types package instead of this file.
library ieee;
use ieee.std_logic_1164.all;

package emp_data_types is
    constant LWORD_WIDTH : integer := 64;
    type lword is record
        data           : std_logic_vector(LWORD_WIDTH - 1 downto 0);
        valid          : std_logic;
        start_of_orbit : std_logic;
        start          : std_logic;
        last           : std_logic;
        strobe         : std_logic;
    end record;
    type ldata is array (natural range <>) of lword;
    constant LWORD_NULL : lword := ((others => '0'), '0', '0', '0', '0', '1');
end package emp_data_types;
